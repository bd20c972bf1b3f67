// The shop area's screens (none yet).
import type { RouteDef } from "../router";

export const shopRoutes: RouteDef[] = [];
