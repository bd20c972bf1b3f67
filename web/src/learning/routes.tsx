// The learning area's screens (none yet).
import type { RouteDef } from "../router";

export const learningRoutes: RouteDef[] = [];
