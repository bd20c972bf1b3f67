// The document of the API that serves this page: same origin, so "Try it out" works with a
// token from sign-in (Authorize → bearer).
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    displayOperationId: true,
    persistAuthorization: false,
    tryItOutEnabled: false,
  });
});
