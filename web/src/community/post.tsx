// A post (GET /v1/community/posts/{id}) with its comments (oldest first, a page at a time,
// and a form to add one), likes (PUT / DELETE .../like), and for its author: edit, and
// delete after a confirmation. Another's post shows neither button (the API says 403 anyway).
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { useMessages, useT } from "../i18n";
import { Loaded, useAction, useLoad } from "../load";
import { go, href } from "../router";
import { Card, fieldErrors, ProblemBanner } from "../screens/form";
import { Confirm, inWords, More, TextArea, useDateTime, useMyId, usePaged } from "./common";
import { Author, type Post } from "./feed";
import { communityMessages } from "./messages";

// The API does not say whether the student likes a post; this tab remembers what it did.
const LIKED_KEY = "studyloop.community.liked";
function likedHere(): Set<string> {
  try {
    return new Set(JSON.parse(sessionStorage.getItem(LIKED_KEY) ?? "[]") as string[]);
  } catch {
    return new Set();
  }
}
function rememberLike(postId: string, liked: boolean) {
  const set = likedHere();
  if (liked) set.add(postId);
  else set.delete(postId);
  try {
    sessionStorage.setItem(LIKED_KEY, JSON.stringify([...set]));
  } catch {
    // not remembered; the like itself is stored
  }
}

export function PostScreen(props: { postId: string }) {
  const m = useMessages(communityMessages);
  const id = props.postId;
  const post = useLoad(() => api.GET("/v1/community/posts/{id}", { params: { path: { id } } }), [id]);
  return (
    <Card title={post.data?.title ?? m.postTitle} wide>
      <p class="community-back">
        <a href={href("community")}>{m.backToFeed}</a>
      </p>
      <Loaded load={{ ...post, problem: inWords(post.problem, m.problems) }}>
        {(p) => (
          <>
            <PostBody post={p} onChange={post.setData} />
            <Comments post={p} onAdded={() => post.setData({ ...p, commentCount: p.commentCount + 1 })} />
          </>
        )}
      </Loaded>
    </Card>
  );
}

function PostBody(props: { post: Post; onChange: (p: Post) => void }) {
  const m = useMessages(communityMessages);
  const when = useDateTime();
  const myId = useMyId();
  const p = props.post;
  const [liked, setLiked] = useState(() => likedHere().has(p.id));
  const { problem, busy, run, retry } = useAction();
  const [confirming, setConfirming] = useState(false);
  const mine = myId !== null && p.authorId === myId;
  const path = { params: { path: { id: p.id } } };

  async function toggleLike() {
    const want = !liked;
    // Then the post again: its count as stored (a like made elsewhere counts once, whatever this tab thought).
    const fresh = await run(async () => {
      const r = await (want ? api.PUT("/v1/community/posts/{id}/like", path) : api.DELETE("/v1/community/posts/{id}/like", path));
      return r.response.ok ? api.GET("/v1/community/posts/{id}", path) : r;
    });
    if (!fresh) return;
    setLiked(want);
    rememberLike(p.id, want);
    props.onChange(fresh);
  }

  async function remove() {
    if (await run(() => api.DELETE("/v1/community/posts/{id}", path))) go("community");
  }

  return (
    <article class="community-post" data-testid="post" data-post-id={p.id}>
      <p class="community-meta">
        <Author authorId={p.authorId} myId={myId} /> · <time dateTime={p.createdAt}>{when(p.createdAt)}</time>
        {p.updatedAt !== p.createdAt && <> · {m.edited}</>}
      </p>
      <div class="community-body" data-testid="post-body">
        {p.body}
      </div>
      <ProblemBanner problem={problem} messages={m.problems} onRetry={retry} />
      <div class="community-toolbar">
        <button
          type="button"
          class="secondary"
          aria-pressed={liked}
          disabled={busy}
          onClick={() => void toggleLike()}
          data-testid="like"
        >
          {m.like}
        </button>
        <span aria-live="polite" data-testid="like-count" data-count={p.likeCount}>
          {m.likeState(liked, p.likeCount)}
        </span>
        {mine && (
          <span class="community-own">
            <a class="community-button secondary" href={href(`community/posts/${p.id}/edit`)} data-testid="edit">
              {m.edit}
            </a>
            <button type="button" class="secondary community-danger" disabled={busy} onClick={() => setConfirming(true)} data-testid="delete">
              {m.delete}
            </button>
          </span>
        )}
      </div>
      {confirming && (
        <Confirm
          name="confirm-delete"
          question={m.confirmDelete}
          yes={m.confirmDeleteYes}
          no={m.cancel}
          busy={busy}
          onYes={() => void remove()}
          onNo={() => setConfirming(false)}
        />
      )}
    </article>
  );
}

function Comments(props: { post: Post; onAdded: () => void }) {
  const t = useT();
  const m = useMessages(communityMessages);
  const when = useDateTime();
  const myId = useMyId();
  const id = props.post.id;
  const list = usePaged(
    (cursor) => api.GET("/v1/community/posts/{id}/comments", { params: { path: { id }, query: { cursor } } }),
    [id],
  );
  const [body, setBody] = useState("");
  const { problem, busy, run, retry } = useAction();
  const errors = fieldErrors(problem, m.commentFieldMessages);

  async function submit(e: Event) {
    e.preventDefault();
    const added = await run(() => api.POST("/v1/community/posts/{id}/comments", { params: { path: { id } }, body: { body } }));
    if (added) {
      list.add(added, "end");
      setBody("");
      props.onAdded();
    }
  }

  return (
    <section class="community-comments" aria-labelledby="comments-title">
      <h2 id="comments-title">
        {m.commentsTitle} <span class="community-muted">({props.post.commentCount})</span>
      </h2>
      <Loaded load={list.first}>
        {() => (
          <>
            {list.items.length === 0 ? (
              <p class="community-muted" data-testid="no-comments">{m.noComments}</p>
            ) : (
              <ol class="community-comment-list" data-testid="comments">
                {list.items.map((c) => (
                  <li key={c.id} class="community-comment" data-testid="comment">
                    <p class="community-meta">
                      <Author authorId={c.authorId} myId={myId} /> · <time dateTime={c.createdAt}>{when(c.createdAt)}</time>
                    </p>
                    <div class="community-body">{c.body}</div>
                  </li>
                ))}
              </ol>
            )}
            <More list={list} label={m.more} />
          </>
        )}
      </Loaded>
      <ProblemBanner problem={problem} messages={m.problems} onRetry={retry} />
      <form noValidate onSubmit={(e) => void submit(e)} data-testid="comment-form">
        <TextArea name="comment" label={m.commentLabel} value={body} hint={m.commentHint} error={errors.body} rows={3} onInput={setBody} />
        <button type="submit" disabled={busy}>
          {busy ? t.submitting : m.addComment}
        </button>
      </form>
    </section>
  );
}
