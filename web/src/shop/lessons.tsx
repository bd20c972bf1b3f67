// The premium lessons: every premium module (GET /v1/learning/modules) by program, open when
// the student is enrolled in it (GET /v1/learning/enrollments, after a confirmed order),
// else locked with a link to buy the program. Opening a lesson starts a session
// (POST /v1/learning/sessions); a 403 enrollment_required there says "buy the program".
import type { components } from "../api/schema";
import { api } from "../api/client";
import { useMessages } from "../i18n";
import { Loaded, useLoad } from "../load";
import { href } from "../router";
import { Card } from "../screens/form";
import { inWords, useDateTime } from "../community/common";
import { shopMessages } from "./messages";
import type { Product } from "./programs";

type ModuleSummary = components["schemas"]["ModuleSummary"];
type Enrollment = components["schemas"]["Enrollment"];
type Page<T> = { items: T[]; nextCursor: string | null };

/** A padlock beside a locked lesson (the word "locked" is on its program). */
function LockIcon() {
  return (
    <svg class="shop-lock" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <rect x="3" y="7" width="10" height="8" rx="1.5" fill="currentColor" />
      <path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" stroke-width="1.6" />
    </svg>
  );
}

/** Every page of a list (these lists are short: a catalogue, the student's programs). */
export async function all<T>(page: (cursor?: string) => Promise<{ data?: Page<T>; error?: unknown; response: Response }>) {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const r = await page(cursor);
    if (!r.data) return { error: r.error, response: r.response };
    items.push(...r.data.items);
    if (!r.data.nextCursor) return { data: items, response: r.response };
    cursor = r.data.nextCursor;
  }
}

interface Catalogue {
  modules: ModuleSummary[];
  enrollments: Enrollment[];
  products: Product[];
}

async function loadCatalogue(): Promise<{ data?: Catalogue; error?: unknown; response: Response }> {
  const [modules, enrollments, products] = await Promise.all([
    all((cursor) => api.GET("/v1/learning/modules", { params: { query: { cursor, limit: 100 } } })),
    all((cursor) => api.GET("/v1/learning/enrollments", { params: { query: { cursor, limit: 100 } } })),
    all((cursor) => api.GET("/v1/products", { params: { query: { cursor, limit: 100 } } })),
  ]);
  for (const r of [modules, enrollments, products]) if (!r.data) return r as { error: unknown; response: Response };
  return {
    data: { modules: modules.data!.filter((x) => x.premium), enrollments: enrollments.data!, products: products.data! },
    response: products.response,
  };
}

export function Lessons() {
  const m = useMessages(shopMessages);
  const when = useDateTime();
  const catalogue = useLoad(loadCatalogue);
  return (
    <Card title={m.lessonsTitle} wide>
      <Loaded load={catalogue}>
        {(c) => {
          const programs = [...new Set(c.modules.map((x) => x.programId!))];
          if (programs.length === 0) return <p>{m.noLessons}</p>;
          return (
            <>
              {programs.map((programId) => {
                const enrollment = c.enrollments.find((e) => e.programId === programId);
                const product = c.products.find((p) => p.programId === programId);
                const name = enrollment?.programName ?? product?.name ?? m.unknownProgram;
                return (
                  <section class="shop-program" key={programId} data-testid="program" data-program-id={programId} data-open={enrollment ? "true" : "false"}>
                    <h2 class="shop-program-name">{name}</h2>
                    <p class="shop-program-state">
                      <span class={enrollment ? "shop-tag shop-status-confirmed" : "shop-tag shop-locked"}>
                        {enrollment ? m.open : m.locked}
                      </span>{" "}
                      {enrollment ? (
                        m.enrolledAt(when(enrollment.enrolledAt))
                      ) : (
                        <>
                          {m.programLockedText}{" "}
                          {product && (
                            <a href={href(`shop/products/${product.id}`)} data-testid="buy-program">
                              {m.buyProgram}
                            </a>
                          )}
                        </>
                      )}
                    </p>
                    <ul class="shop-lessons">
                      {c.modules
                        .filter((x) => x.programId === programId)
                        .map((x) => (
                          <li key={x.id} class="shop-lesson" data-testid="lesson" data-module-id={x.id}>
                            <span class="shop-lesson-title">{x.title}</span>
                            <span class="shop-muted">
                              {m.level(x.level)} · {m.exercises(x.exerciseCount)}
                            </span>
                            {enrollment ? (
                              <a class="shop-button" href={href(`shop/lessons/${x.id}`)} data-testid="open-lesson">
                                {m.openLesson}
                                <span class="visually-hidden">: {x.title}</span>
                              </a>
                            ) : (
                              <LockIcon />
                            )}
                          </li>
                        ))}
                    </ul>
                  </section>
                );
              })}
            </>
          );
        }}
      </Loaded>
    </Card>
  );
}

/** One premium lesson, opened: a session of its exercises; locked, the way to buy it. */
export function Lesson(props: { moduleId: string }) {
  const m = useMessages(shopMessages);
  const session = useLoad(
    () => api.POST("/v1/learning/sessions", { body: { moduleId: props.moduleId } }),
    [props.moduleId],
  );
  if (session.problem?.code === "enrollment_required") return <LockedLesson moduleId={props.moduleId} />;
  return (
    <Card title={session.data?.title ?? m.lessonTitle} wide>
      <Loaded load={{ ...session, problem: inWords(session.problem, m.problems) }}>
        {(s) => (
          <div data-testid="lesson-open" data-session-id={s.sessionId}>
            <p class="shop-muted">
              {m.level(s.level)} · {m.exercises(s.exercises.length)}
            </p>
            <ol class="shop-exercises">
              {s.exercises.map((x, i) => (
                <li key={i} class="shop-exercise">
                  <p class="shop-prompt">{x.prompt}</p>
                  <ul class="shop-choices" aria-label={m.choices}>
                    {x.choices.map((c) => (
                      <li>{c}</li>
                    ))}
                  </ul>
                </li>
              ))}
            </ol>
            <p class="switch">
              <a href={href("shop/lessons")}>{m.lessons}</a>
            </p>
          </div>
        )}
      </Loaded>
    </Card>
  );
}

/** 403 enrollment_required: the lesson's program is not bought yet. */
function LockedLesson(props: { moduleId: string }) {
  const m = useMessages(shopMessages);
  const product = useLoad(async () => {
    const modules = await all((cursor) => api.GET("/v1/learning/modules", { params: { query: { cursor, limit: 100 } } }));
    const programId = modules.data?.find((x) => x.id === props.moduleId.toUpperCase())?.programId;
    const products = await all((cursor) => api.GET("/v1/products", { params: { query: { cursor, limit: 100 } } }));
    return { data: products.data?.find((p) => programId && p.programId === programId) ?? null, response: products.response };
  }, [props.moduleId]);
  return (
    <Card title={m.lessonTitle}>
      <div class="shop-locked-lesson" data-testid="lesson-locked" data-problem-code="enrollment_required">
        <p>
          <span class="shop-tag shop-locked">{m.locked}</span> {m.lockedText}
        </p>
        <p>
          <a class="shop-button" href={href(product.data ? `shop/products/${product.data.id}` : "shop")} data-testid="buy-program">
            {m.buyProgram}
          </a>
        </p>
      </div>
    </Card>
  );
}

