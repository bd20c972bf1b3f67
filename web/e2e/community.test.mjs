// The community screens in Debian's headless Chromium, at 390 px (Korean) and 1280 px
// (English): a student writes a post → it tops the feed → a second student (a second browser
// context) comments and likes → the author sees the comment and the like → edits → deletes
// (with a confirmation); the other student gets no edit or delete button, and a forced edit
// shows the API's 403; empty fields show their errors next to them; the feed pages past 20.
import assert from "node:assert/strict";
import { test } from "node:test";
import { base, fitsWidth, newPage, shot, useCloud, WIDTHS } from "./harness.mjs";
import {
  apiAs,
  comment,
  deletePost,
  editPost,
  fillNewPost,
  like,
  likeCount,
  openFeed,
  openPost,
  postCommentLike,
  publish,
  signInAs,
  signUpStudent,
} from "./flows/community.mjs";

useCloud();

const TEXT = {
  ko: {
    author: "김하늘",
    other: "이바다",
    title: "분수 나눗셈, 이렇게 이해했어요",
    body: "분수로 나눌 때는 뒤집어서 곱한다고만 외웠는데,\n1을 1/2로 나누면 '1 안에 1/2이 몇 번 들어가나'라서 2가 된다는 걸 알고 나니 쉬워졌어요.",
    comment: "좋은 설명이네요! 저도 그림으로 그려 보니 이해가 됐어요.",
    edited: "분수 나눗셈, 이렇게 이해했어요 (그림 추가)",
    you: "나",
    forbidden: "작성자만",
  },
  en: {
    author: "Ada Writer",
    other: "Ben Reader",
    title: "How fraction division finally clicked for me",
    body: "I only knew 'flip and multiply'.\nThen I asked how many halves fit into 1: two. That is 1 ÷ 1/2 = 2, and the rule made sense.",
    comment: "Nice way to put it! Drawing it helped me too.",
    edited: "How fraction division finally clicked (with a drawing)",
    you: "You",
    forbidden: "Only the post's author",
  },
};

for (const w of WIDTHS) {
  const t = TEXT[w.lang];

  test(`${w.width} px (${w.lang}): write, top of the feed, another's comment and like, edit, delete`, async () => {
    const author = await signUpStudent(t.author, `writer${w.width}@example.com`, w.lang);
    const reader = await signUpStudent(t.other, `reader${w.width}@example.com`, w.lang);
    const a = await newPage(w);
    const b = await newPage(w);
    try {
      const started = Date.now();
      await signInAs(a.page, author, "community");
      await openFeed(a.page);

      await fillNewPost(a.page, t);
      await shot(a.page, "community-write", w);
      await fitsWidth(a.page, w);
      const postId = await publish(a.page);
      assert.equal(await a.page.locator("#screen-title").textContent(), t.title);
      assert.equal(await a.page.getByTestId("post-body").textContent(), t.body, "line breaks kept");

      await openFeed(a.page);
      const top = a.page.getByTestId("feed-item").first();
      assert.equal(await top.getAttribute("data-post-id"), postId, "the new post tops the feed");
      assert.equal(await top.locator("h2").textContent(), t.title);
      assert.equal(await top.getByTestId("post-author").textContent(), t.you);

      // The other student: no edit or delete on someone else's post; comments and likes.
      await signInAs(b.page, reader, `community/posts/${postId}`);
      await openPost(b.page, postId);
      assert.equal(await b.page.getByTestId("edit").count(), 0);
      assert.equal(await b.page.getByTestId("delete").count(), 0);
      assert.notEqual(await b.page.getByTestId("post-author").first().textContent(), t.you);
      await comment(b.page, t.comment);
      await like(b.page);
      assert.equal(await likeCount(b.page), 1);
      // Forced: the edit screen by URL, sent → the API's 403, shown above the form.
      await b.page.goto(`${base}/#/community/posts/${postId}/edit`);
      await b.page.locator("#field-title").waitFor();
      await b.page.locator("#field-title").fill("hijacked");
      await b.page.locator('[data-testid="post-form"] button[type="submit"]').click();
      const forbidden = b.page.locator('[role="alert"][data-problem-code="forbidden"]');
      await forbidden.waitFor();
      assert.match(await forbidden.textContent(), new RegExp(t.forbidden));
      assert.equal(await b.page.locator("#field-title").inputValue(), "hijacked", "what was typed stays");
      await shot(b.page, "community-forbidden", w);
      await fitsWidth(b.page, w);

      // The author sees the comment and the like.
      await openFeed(a.page);
      const item = a.page.locator(`[data-post-id="${postId}"]`);
      assert.match(await item.getByTestId("like-count").textContent(), /1/);
      assert.match(await item.getByTestId("comment-count").textContent(), /1/);
      await shot(a.page, "community-feed", w);
      await fitsWidth(a.page, w);
      await openPost(a.page, postId);
      assert.equal(await likeCount(a.page), 1);
      assert.equal(await a.page.getByTestId("comment").count(), 1);
      assert.match(await a.page.getByTestId("comment").textContent(), new RegExp(t.comment.slice(0, 10)));
      await shot(a.page, "community-post", w);
      await fitsWidth(a.page, w);

      await editPost(a.page, { title: t.edited });
      assert.equal(await a.page.getByTestId("post-body").textContent(), t.body, "the body stays");
      // The confirmation takes the focus on "cancel"; Escape closes it and nothing is deleted.
      await a.page.getByTestId("delete").click();
      await a.page.getByTestId("confirm-delete").waitFor();
      assert.equal(await a.page.evaluate(() => document.activeElement?.closest('[role="alertdialog"]') !== null), true);
      await a.page.keyboard.press("Escape");
      assert.equal(await a.page.getByTestId("confirm-delete").count(), 0);
      await deletePost(a.page);
      await a.page.locator('[data-testid="feed"], [data-testid="feed-empty"]').first().waitFor();
      assert.equal(await a.page.locator(`[data-post-id="${postId}"]`).count(), 0, "gone from the feed");
      assert.equal((await apiAs(author, "GET", `/v1/community/posts/${postId}`)).status, 404);
      console.log(`${w.width} px: write → feed → comment, like → edit → delete in ${Date.now() - started} ms`);
      assert.deepEqual([...a.errors, ...b.errors], []);
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });

  test(`${w.width} px (${w.lang}): empty fields (a post's, a comment's) show their errors next to them, what was typed stays; then one's own post, commented and liked`, async () => {
    const student = await signUpStudent(t.author, `empty${w.width}@example.com`, w.lang);
    const { context, page, errors } = await newPage(w);
    try {
      await signInAs(page, student, "community/new");
      await page.locator("#field-title").waitFor();
      await page.locator("#field-body").fill("   ");
      await page.locator('[data-testid="post-form"] button[type="submit"]').click();
      await page.locator('[data-field-error="title"]').waitFor();
      await page.locator('[data-field-error="body"]').waitFor();
      assert.equal(await page.locator("#field-title").getAttribute("aria-invalid"), "true");
      assert.match(await page.locator("#field-body").getAttribute("aria-describedby"), /field-body-error/);
      assert.equal(await page.locator("#field-body").inputValue(), "   ");
      assert.match(page.url(), /#\/community\/new$/);
      await fitsWidth(page, w);
      // A comment of white space only: its error next to the comment field, the text kept.
      const post = await apiAs(student, "POST", "/v1/community/posts", { title: "comment errors", body: "." });
      await openPost(page, post.body.id);
      await page.locator("#field-comment").fill("  ");
      await page.locator('[data-testid="comment-form"] button[type="submit"]').click();
      await page.locator('[data-field-error="comment"]').waitFor();
      assert.equal(await page.locator("#field-comment").getAttribute("aria-invalid"), "true");
      assert.equal(await page.locator("#field-comment").inputValue(), "  ");
      assert.equal(await page.getByTestId("comment").count(), 0);
      // The whole journey's community part: one's own post, commented and liked.
      const own = await postCommentLike(page, { title: t.title, body: t.body, comment: t.comment });
      assert.equal(await page.getByTestId("comment").count(), 1);
      assert.equal((await apiAs(student, "GET", `/v1/community/posts/${own}`)).body.commentCount, 1);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test(`${w.width} px (${w.lang}): the feed pages past its first 20 posts`, async () => {
    const student = await signUpStudent(t.other, `pager${w.width}@example.com`, w.lang);
    for (let i = 1; i <= 23; i++) {
      const r = await apiAs(student, "POST", "/v1/community/posts", { title: `Page test ${w.width} #${i}`, body: "." });
      assert.equal(r.status, 201);
    }
    const { context, page, errors } = await newPage(w);
    try {
      await signInAs(page, student, "community");
      await openFeed(page);
      const items = page.getByTestId("feed-item");
      assert.equal(await items.count(), 20);
      assert.equal(await items.first().locator("h2").textContent(), `Page test ${w.width} #23`, "newest first");
      const seen = await page.$$eval('[data-testid="feed-item"]', (els) => els.map((e) => e.dataset.postId));
      await page.getByTestId("more").click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed-item"]').length > 20);
      const all = await page.$$eval('[data-testid="feed-item"]', (els) => els.map((e) => e.dataset.postId));
      assert.deepEqual(all.slice(0, 20), seen);
      assert.equal(new Set(all).size, all.length, "no post twice");
      const titles = await page.$$eval('[data-testid="feed-item"] h2', (els) => els.map((e) => e.textContent));
      for (let i = 1; i <= 23; i++) assert.ok(titles.includes(`Page test ${w.width} #${i}`), `#${i} listed`);
      await fitsWidth(page, w);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}
