// The shop area: the programs, buying one, an order's page, the orders, the premium lessons.
import type { Lang } from "../i18n";
import type { RouteDef } from "../router";
import { Lesson, Lessons } from "./lessons";
import { shopMessages } from "./messages";
import { OrderScreen, Orders } from "./order";
import { Buy, Programs } from "./programs";

const m = (l: Lang) => shopMessages[l];

export const shopRoutes: RouteDef[] = [
  { path: "shop", title: (l) => m(l).programsTitle, nav: (l) => m(l).shop, render: () => <Programs /> },
  { path: "shop/products/:productId", title: (l) => m(l).buyTitle, render: (p) => <Buy productId={p.productId!} /> },
  { path: "shop/orders", title: (l) => m(l).ordersTitle, render: () => <Orders /> },
  { path: "shop/orders/:orderId", title: (l) => m(l).orderTitle, render: (p) => <OrderScreen orderId={p.orderId!} /> },
  { path: "shop/lessons", title: (l) => m(l).lessonsTitle, nav: (l) => m(l).lessons, render: () => <Lessons /> },
  { path: "shop/lessons/:moduleId", title: (l) => m(l).lessonTitle, render: (p) => <Lesson moduleId={p.moduleId!} /> },
];
