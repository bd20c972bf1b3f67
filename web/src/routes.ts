// Every screen of the app, by area; the top navigation follows this order.
import { accountRoutes } from "./account/routes";
import { communityRoutes } from "./community/routes";
import { learningRoutes } from "./learning/routes";
import { notificationRoutes } from "./notifications/routes";
import type { RouteDef } from "./router";
import { shopRoutes } from "./shop/routes";

export const routes: RouteDef[] = [...accountRoutes, ...learningRoutes, ...communityRoutes, ...shopRoutes, ...notificationRoutes];
