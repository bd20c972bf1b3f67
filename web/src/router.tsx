// The hash router: the local cloud and a CDN serve files as they are, so every screen is
// /#/<path>. Each area of the app (account, learning, community, shop) declares its routes
// in its own routes.tsx; src/routes.ts lists the areas.
import type { ComponentType, JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Lang } from "./i18n";

export type Params = Record<string, string>;

export interface RouteDef {
  /** Without the leading "/": "" is home, "community/posts/:postId" has a parameter. */
  path: string;
  /** The document title (before " · studyloop"). */
  title: (lang: Lang) => string;
  /** Who may see it: signed-in students (the default), only signed-out visitors, or anyone. */
  access?: "signed-in" | "signed-out" | "anyone";
  /** The label of its link in the top navigation, when it has one. */
  nav?: (lang: Lang) => string;
  /** Shown beside its navigation link (e.g. the inbox's unread count). */
  badge?: ComponentType;
  render: (params: Params) => JSX.Element;
}

/** The path after "#/", without a query. */
export function currentPath(): string {
  return location.hash.replace(/^#\/?/, "").split("?")[0] ?? "";
}

/** The current path; the screen renders again on any change of the hash, its query included. */
export function useCurrentPath(): string {
  const [, setHash] = useState(location.hash);
  useEffect(() => {
    const onHash = () => setHash(location.hash);
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  return currentPath();
}

/** The query of the hash (`#/sign-in?notice=deleted` → notice=deleted). */
export function hashQuery(): URLSearchParams {
  return new URLSearchParams(location.hash.split("?")[1] ?? "");
}

export function go(path: string) {
  const target = `#/${path.replace(/^\/+/, "")}`;
  if (location.hash !== target) location.hash = target;
}

/** The route whose path matches, with its parameters (decoded); null when none does. */
export function match(routes: RouteDef[], path: string): { route: RouteDef; params: Params } | null {
  const parts = path.split("/").filter(Boolean);
  for (const route of routes) {
    const pattern = route.path.split("/").filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Params = {};
    const ok = pattern.every((p, i) => {
      const part = parts[i]!;
      if (p.startsWith(":")) {
        try {
          params[p.slice(1)] = decodeURIComponent(part);
        } catch {
          return false;
        }
        return true;
      }
      return p === part;
    });
    if (ok) return { route, params };
  }
  return null;
}

/** A link to a path of the app. */
export function href(path: string): string {
  return `#/${path.replace(/^\/+/, "")}`;
}
