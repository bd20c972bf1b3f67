// Loading what a screen shows: useLoad runs a GET when the screen opens (and again on
// reload()), and <Loaded> shows "loading", the problem with a retry, or the screen.
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
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
      if (o.problem?.status === 401) return;
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
