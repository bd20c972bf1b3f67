// The feed (GET /v1/community/posts): newest first, a page at a time ("more" follows the
// answer's cursor); each post with its author, time, likes and comments.
import type { components } from "../api/schema";
import { api } from "../api/client";
import { useMessages } from "../i18n";
import { Loaded } from "../load";
import { href } from "../router";
import { Card } from "../screens/form";
import { More, useDateTime, useMyId, usePaged } from "./common";
import { communityMessages } from "./messages";

export type Post = components["schemas"]["Post"];

/** Who wrote it: "you" for the student's own, else a short mark of the author's id (the API gives no names). */
export function Author(props: { authorId: string; myId: string | null }) {
  const m = useMessages(communityMessages);
  const mine = props.authorId === props.myId;
  return (
    <span class={mine ? "community-author community-mine" : "community-author"} data-testid="post-author">
      {mine ? m.you : m.student(props.authorId.slice(-4))}
    </span>
  );
}

/** The start of a post's text, on one line. */
const excerpt = (body: string) => {
  const line = body.replace(/\s+/g, " ").trim();
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
};

export function Feed() {
  const m = useMessages(communityMessages);
  const when = useDateTime();
  const myId = useMyId();
  const feed = usePaged((cursor) => api.GET("/v1/community/posts", { params: { query: { cursor } } }));
  return (
    <Card title={m.feedTitle} wide>
      <p class="community-actions">
        <a class="community-button" href={href("community/new")} data-testid="write-post">
          {m.write}
        </a>
      </p>
      <Loaded load={feed.first}>
        {() =>
          feed.items.length === 0 ? (
            <p data-testid="feed-empty">{m.empty}</p>
          ) : (
            <>
              <ol class="community-feed" data-testid="feed">
                {feed.items.map((p) => (
                  <li key={p.id} class="community-item" data-testid="feed-item" data-post-id={p.id}>
                    <h2 class="community-item-title">
                      <a href={href(`community/posts/${p.id}`)}>{p.title}</a>
                    </h2>
                    <p class="community-excerpt">{excerpt(p.body)}</p>
                    <p class="community-meta">
                      <Author authorId={p.authorId} myId={myId} /> ·{" "}
                      <time dateTime={p.createdAt}>{when(p.createdAt)}</time>
                    </p>
                    <p class="community-counts">
                      <span data-testid="like-count">{m.likes(p.likeCount)}</span> ·{" "}
                      <span data-testid="comment-count">{m.comments(p.commentCount)}</span>
                    </p>
                  </li>
                ))}
              </ol>
              <More list={feed} label={m.more} />
            </>
          )
        }
      </Loaded>
    </Card>
  );
}
