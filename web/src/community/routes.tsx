// The community area's screens (none yet).
import type { RouteDef } from "../router";

export const communityRoutes: RouteDef[] = [];
