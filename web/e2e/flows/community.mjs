// The community screens' browser steps, for community.test.mjs and the whole-journey test:
// each takes a signed-in page (and its language) and leaves it on the screen it names.
import assert from "node:assert/strict";
import { base, PASSWORD } from "../harness.mjs";

/**
 * A new student through the API: `{ user, accessToken, refreshToken }`. Like a sign-up in
 * the app, the account keeps `lang` as its language (the app shows an account's language).
 */
export async function signUpStudent(name, email, lang = "ko") {
  const res = await fetch(`${base}/v1/auth/sign-up`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, email, password: PASSWORD }),
  });
  assert.equal(res.status, 201, `sign-up of ${email}`);
  const student = await res.json();
  const prefs = await apiAs(student, "PUT", "/v1/notifications/preferences", { locale: lang, kakao: { enabled: false } });
  assert.equal(prefs.status, 200, `${email}'s language`);
  return student;
}

/**
 * Signs the page in as a student signed up through the API: the refresh token goes into
 * sessionStorage before the app starts (once: the app rotates it afterwards), the app
 * refreshes it into a session, and this waits until it has (a reload during the refresh
 * would lose the rotated token and present the used one: the API then ends the session).
 * Opens `path`.
 */
export async function signInAs(page, student, path = "") {
  await page.addInitScript((token) => {
    if (!sessionStorage.getItem("studyloop.refreshToken")) sessionStorage.setItem("studyloop.refreshToken", token);
  }, student.refreshToken);
  await page.goto(`${base}/#/${path}`);
  await page.waitForFunction(
    (token) => {
      const now = sessionStorage.getItem("studyloop.refreshToken");
      return now !== null && now !== token;
    },
    student.refreshToken,
    { timeout: 30_000 },
  );
}

/** The API with a student's access token (for what the test sets up or checks around the UI). */
export async function apiAs(student, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${student.accessToken}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Opens a screen afresh (reloads it when the page shows it already). */
export async function open(page, path) {
  const url = `${base}/#/${path}`;
  if (page.url() === url) await page.reload();
  else await page.goto(url);
}

/** Opens the feed and waits for it (or for its "no posts" line). */
export async function openFeed(page) {
  await open(page, "community");
  await page.getByTestId("write-post").waitFor();
  await page.locator('[data-testid="feed"], [data-testid="feed-empty"]').first().waitFor();
}

/** The write screen, filled in (not sent): for the screenshot before publishing. */
export async function fillNewPost(page, { title, body }) {
  await page.goto(`${base}/#/community/new`);
  await page.locator("#field-title").fill(title);
  await page.locator("#field-body").fill(body);
}

/** Publishes the filled write screen; answers the post's id once its page shows. */
export async function publish(page) {
  await page.locator('[data-testid="post-form"] button[type="submit"]').click();
  await page.waitForURL(/#\/community\/posts\/[0-9A-Z]{26}$/);
  await page.getByTestId("post").waitFor();
  return page.url().split("/").pop();
}

/** Writes a post through the write screen; answers its id once its page shows. */
export async function writePost(page, post) {
  await fillNewPost(page, post);
  return publish(page);
}

/** Opens a post's page and waits for it and its comments. */
export async function openPost(page, postId) {
  await open(page, `community/posts/${postId}`);
  await page.getByTestId("post").waitFor();
  await page.getByTestId("comment-form").waitFor();
  await page.locator('[data-testid="comments"], [data-testid="no-comments"]').first().waitFor();
}

/** Adds a comment on the open post; waits until it is listed. */
export async function comment(page, text) {
  const before = await page.getByTestId("comment").count();
  await page.locator("#field-comment").fill(text);
  await page.locator('[data-testid="comment-form"] button[type="submit"]').click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="comment"]').length > n, before);
}

/** Likes the open post (the button pressed, the count as stored). */
export async function like(page) {
  const button = page.getByTestId("like");
  assert.equal(await button.getAttribute("aria-pressed"), "false");
  await button.click();
  await page.locator('[data-testid="like"][aria-pressed="true"]:not([disabled])').waitFor();
}

/** The open post's like count, as shown. */
export async function likeCount(page) {
  return Number(await page.getByTestId("like-count").getAttribute("data-count"));
}

/** Edits the open post (its author's "edit"); waits for the post's page with the new title. */
export async function editPost(page, { title, body }) {
  await page.getByTestId("edit").click();
  await page.waitForURL(/\/edit$/);
  await page.locator("#field-title").waitFor();
  await page.locator("#field-title").fill(title);
  if (body !== undefined) await page.locator("#field-body").fill(body);
  await page.locator('[data-testid="post-form"] button[type="submit"]').click();
  await page.waitForURL(/#\/community\/posts\/[0-9A-Z]{26}$/);
  await page.locator("#screen-title", { hasText: title }).waitFor();
}

/** Deletes the open post (its author's "delete", then the confirmation); the feed shows. */
export async function deletePost(page) {
  await page.getByTestId("delete").click();
  await page.getByTestId("confirm-delete").waitFor();
  await page.getByTestId("confirm-delete-yes").click();
  await page.waitForURL(/#\/community$/);
  await page.getByTestId("write-post").waitFor();
}

/**
 * The whole journey's community part for one student: writes a post, comments on it and
 * likes it; answers the post's id with the page on the post.
 */
export async function postCommentLike(page, { title, body, comment: text }) {
  const postId = await writePost(page, { title, body });
  await openPost(page, postId);
  await comment(page, text);
  await like(page);
  assert.equal(await likeCount(page), 1);
  return postId;
}
