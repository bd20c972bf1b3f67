// Loading what a screen shows: useLoad runs a GET when the screen opens (and again on
// reload()), and <Loaded> shows "loading", the problem with a retry, or the screen.
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { call, type Shown } from "./api/client";
import { useT } from "./i18n";
import { ProblemBanner } from "./screens/form";

export interface Load<T> {
  data: T | null;
  problem: Shown | null;
  loading: boolean;
  reload: () => void;
  /** Replaces what was loaded (after a write that answered with the new state). */
  setData: (data: T) => void;
}

export function useLoad<T>(
  request: () => Promise<{ data?: T; error?: unknown; response: Response }>,
  deps: unknown[] = [],
): Load<T> {
  const [data, setData] = useState<T | null>(null);
  const [problem, setProblem] = useState<Shown | null>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    void call(request()).then((o) => {
      if (!live) return;
      setLoading(false);
      // A 401 that a refresh did not cure ends the session: the app shows sign-in.
      if (o.problem?.code === "unauthorized") return;
      setProblem(o.problem);
      if (o.data !== null) setData(o.data);
    });
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round]);
  return { data, problem, loading, reload: () => setRound((r) => r + 1), setData };
}

/** The screen once its data is there; until then "loading", or the problem with a retry. */
export function Loaded<T>(props: { load: Load<T>; children: (data: T) => JSX.Element }) {
  const t = useT();
  const { data, problem, loading, reload } = props.load;
  if (problem && data === null) return <ProblemBanner problem={problem} onRetry={reload} />;
  if (data === null) return <p aria-live="polite">{loading ? t.loading : ""}</p>;
  return (
    <>
      {problem && <ProblemBanner problem={problem} onRetry={reload} />}
      {props.children(data)}
    </>
  );
}

/**
 * A write a screen makes (a form's submit, a button): `run` answers the data or null, keeps
 * the problem to show, and remembers the call so that the banner's retry repeats it.
 */
export function useAction() {
  const [problem, setProblem] = useState<Shown | null>(null);
  const [busy, setBusy] = useState(false);
  const last = useRef<(() => Promise<unknown>) | null>(null);
  async function run<T>(request: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T | null> {
    last.current = () => run(request);
    setBusy(true);
    const outcome = await call(request());
    setBusy(false);
    // A 401 `unauthorized` that a refresh did not cure ends the session (→ sign-in); any other problem shows.
    setProblem(outcome.problem?.code === "unauthorized" ? null : outcome.problem);
    return outcome.data;
  }
  return {
    problem,
    busy,
    run,
    /** For the problem banner: repeats the last call. */
    retry: () => void last.current?.(),
    clear: () => setProblem(null),
  };
}
