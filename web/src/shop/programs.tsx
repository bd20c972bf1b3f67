// The programs (GET /v1/products) with their prices in KRW, and buying one (POST /v1/orders
// with a sandbox payment token and an Idempotency-Key per intended purchase).
import { useState } from "preact/hooks";
import type { components } from "../api/schema";
import { api } from "../api/client";
import { useLang, useMessages, useT } from "../i18n";
import { Loaded, useAction, useLoad } from "../load";
import { go, href } from "../router";
import { Card, fieldErrors, ProblemBanner } from "../screens/form";
import { FieldBox, inWords, More, usePaged } from "../community/common";
import { shopMessages } from "./messages";

export type Product = components["schemas"]["Product"];
type Money = components["schemas"]["Money"];

/** Money as the current language writes it: ₩19,000. */
export function useMoney(): (money: Money) => string {
  const lang = useLang();
  return (money) =>
    new Intl.NumberFormat(lang === "ko" ? "ko-KR" : "en-US", { style: "currency", currency: money.currency }).format(money.amount);
}

export function Programs() {
  const m = useMessages(shopMessages);
  const money = useMoney();
  const list = usePaged((cursor) => api.GET("/v1/products", { params: { query: { cursor } } }));
  return (
    <Card title={m.programsTitle} wide>
      <p class="shop-links">
        <a href={href("shop/orders")}>{m.myOrders}</a> · <a href={href("shop/lessons")}>{m.lessons}</a>
      </p>
      <Loaded load={list.first}>
        {() => (
          <>
            <ul class="shop-products" data-testid="products">
              {list.items.map((p) => (
                <li key={p.id} class="shop-product" data-testid="product" data-product-id={p.id}>
                  <h2 class="shop-product-name">{p.name}</h2>
                  {p.programId && <p class="shop-badge">{m.includesLessons}</p>}
                  <p class="shop-price" data-testid="price">
                    <span class="visually-hidden">{m.price}: </span>
                    {money(p.price)}
                  </p>
                  <p class="shop-muted">{m.available(p.available)}</p>
                  {p.available > 0 ? (
                    <a class="shop-button" href={href(`shop/products/${p.id}`)} data-testid="buy">
                      {m.buy}
                      <span class="visually-hidden">: {p.name}</span>
                    </a>
                  ) : (
                    <p class="shop-muted">{m.soldOut}</p>
                  )}
                </li>
              ))}
            </ul>
            <More list={list} label={m.more} />
          </>
        )}
      </Loaded>
    </Card>
  );
}

const TOKENS = ["tok_ok", "tok_declined", "tok_error"] as const;

function newKey(): string {
  return crypto.randomUUID();
}

export function Buy(props: { productId: string }) {
  const m = useMessages(shopMessages);
  const product = useLoad(() => api.GET("/v1/products/{id}", { params: { path: { id: props.productId } } }), [props.productId]);
  return (
    <Card title={m.buyTitle}>
      <Loaded load={{ ...product, problem: inWords(product.problem, m.problems) }}>{(p) => <BuyForm product={p} />}</Loaded>
      <p class="switch">
        <a href={href("shop")}>{m.backToShop}</a>
      </p>
    </Card>
  );
}

function BuyForm(props: { product: Product }) {
  const t = useT();
  const m = useMessages(shopMessages);
  const money = useMoney();
  const p = props.product;
  const max = Math.max(1, Math.min(100, p.available));
  const [quantity, setQuantity] = useState("1");
  const [token, setToken] = useState<string>("tok_ok");
  // One key per intended purchase: a retry of the same one replays its answer (no second order).
  const [key, setKey] = useState(newKey);
  const { problem, busy, run, retry } = useAction();
  const n = Number(quantity);
  const valid = Number.isInteger(n) && n >= 1 && n <= 100;
  const errors = fieldErrors(problem, { quantity: m.quantityError });
  const total = money({ amount: p.price.amount * (valid ? n : 1), currency: p.price.currency });

  function change<T>(set: (v: T) => void) {
    return (v: T) => {
      set(v);
      setKey(newKey());
    };
  }

  async function submit(e: Event) {
    e.preventDefault();
    const placed = await run(() =>
      api.POST("/v1/orders", {
        params: { header: { "Idempotency-Key": key } },
        body: { productId: p.id, quantity: valid ? n : 0, paymentToken: token },
      }),
    );
    if (placed) go(`shop/orders/${placed.orderId}`);
  }

  return (
    <>
      <h2 class="shop-product-name" data-testid="buy-product">
        {p.name}
      </h2>
      <p class="shop-price">{money(p.price)}</p>
      <ProblemBanner problem={problem} messages={m.problems} onRetry={retry} />
      <form noValidate onSubmit={(e) => void submit(e)} data-testid="buy-form">
        <FieldBox
          name="quantity"
          label={m.quantity}
          hint={m.quantityHint(max)}
          error={errors.quantity}
          control={(a11y) => (
            <input
              {...a11y}
              type="number"
              inputMode="numeric"
              min={1}
              max={max}
              class="shop-quantity"
              value={quantity}
              onInput={(e) => change(setQuantity)((e.currentTarget as HTMLInputElement).value)}
            />
          )}
        />
        <fieldset class="shop-tokens">
          <legend>{m.payment}</legend>
          {TOKENS.map((tok) => (
            <label key={tok} class="shop-token">
              <input
                type="radio"
                name="paymentToken"
                value={tok}
                checked={token === tok}
                onChange={() => change(setToken)(tok)}
                data-testid={`token-${tok}`}
              />{" "}
              {m.tokens[tok]}
            </label>
          ))}
        </fieldset>
        <p class="shop-total">
          {m.total}: <strong data-testid="total">{total}</strong>
        </p>
        <button type="submit" disabled={busy} data-testid="pay">
          {busy ? t.submitting : m.pay(total)}
        </button>
      </form>
    </>
  );
}
