// Writing a post (POST /v1/community/posts) and editing one's own (PATCH .../{id}): field
// errors next to their fields, anything else above the form; what was typed stays.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { useMessages, useT } from "../i18n";
import { Loaded, useAction, useLoad } from "../load";
import { go, href } from "../router";
import { Card, Field, fieldErrors, ProblemBanner } from "../screens/form";
import { inWords, TextArea } from "./common";
import type { Post } from "./feed";
import { communityMessages } from "./messages";

function PostForm(props: {
  initial?: { title: string; body: string };
  submitLabel: string;
  cancelTo: string;
  send: (title: string, body: string) => Promise<{ data?: Post; error?: unknown; response: Response }>;
}) {
  const t = useT();
  const m = useMessages(communityMessages);
  const [title, setTitle] = useState(props.initial?.title ?? "");
  const [body, setBody] = useState(props.initial?.body ?? "");
  const { problem, busy, run, retry } = useAction();
  const errors = fieldErrors(problem, m.fieldMessages);
  async function submit(e: Event) {
    e.preventDefault();
    const post = await run(() => props.send(title, body));
    if (post) go(`community/posts/${post.id}`);
  }
  return (
    <>
      <ProblemBanner problem={problem} messages={m.problems} onRetry={retry} />
      <form noValidate onSubmit={(e) => void submit(e)} data-testid="post-form">
        <Field name="title" label={m.titleLabel} value={title} hint={m.titleHint} error={errors.title} onInput={setTitle} />
        <TextArea name="body" label={m.bodyLabel} value={body} hint={m.bodyHint} error={errors.body} rows={8} onInput={setBody} />
        <button type="submit" disabled={busy}>
          {busy ? t.submitting : props.submitLabel}
        </button>
      </form>
      <p class="switch">
        <a href={href(props.cancelTo)}>{m.cancel}</a>
      </p>
    </>
  );
}

export function WritePost() {
  const m = useMessages(communityMessages);
  return (
    <Card title={m.writeTitle}>
      <PostForm
        submitLabel={m.publish}
        cancelTo="community"
        send={(title, body) => api.POST("/v1/community/posts", { body: { title, body } })}
      />
    </Card>
  );
}

/** Editing: only the author may; another's post answers 403, shown above the form. */
export function EditPost(props: { postId: string }) {
  const m = useMessages(communityMessages);
  const post = useLoad(() => api.GET("/v1/community/posts/{id}", { params: { path: { id: props.postId } } }), [props.postId]);
  return (
    <Card title={m.editTitle}>
      <Loaded load={{ ...post, problem: inWords(post.problem, m.problems) }}>
        {(p) => (
          <PostForm
            initial={p}
            submitLabel={m.save}
            cancelTo={`community/posts/${p.id}`}
            send={(title, body) =>
              api.PATCH("/v1/community/posts/{id}", { params: { path: { id: p.id } }, body: { title, body } })
            }
          />
        )}
      </Loaded>
    </Card>
  );
}
