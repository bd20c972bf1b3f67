// The community area: the feed, a post with its comments and likes, writing and editing.
import type { Lang } from "../i18n";
import type { RouteDef } from "../router";
import { Feed } from "./feed";
import { communityMessages } from "./messages";
import { PostScreen } from "./post";
import { EditPost, WritePost } from "./write";

const m = (l: Lang) => communityMessages[l];

export const communityRoutes: RouteDef[] = [
  { path: "community", title: (l) => m(l).feedTitle, nav: (l) => m(l).community, render: () => <Feed /> },
  { path: "community/new", title: (l) => m(l).writeTitle, render: () => <WritePost /> },
  { path: "community/posts/:postId", title: (l) => m(l).postTitle, render: (p) => <PostScreen postId={p.postId!} /> },
  { path: "community/posts/:postId/edit", title: (l) => m(l).editTitle, render: (p) => <EditPost postId={p.postId!} /> },
];
