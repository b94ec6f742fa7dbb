// The call centre on every page of an agent: the pop-up's poll, and click-to-call on phone links.
"use strict";

(() => {
  const slot = () => document.getElementById("call-pop");

  // A signed-out session answers the poll with the sign-in page: never put that in the pop-up.
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target !== slot()) return;
    const url = event.detail.xhr.responseURL || "";
    if (url.includes("/login")) event.detail.shouldSwap = false;
  });

  function toast(text, ok) {
    const container = document.getElementById("toasts");
    if (!container) return;
    const item = document.createElement("div");
    item.className = `toast show border-0 ${ok ? "text-bg-success" : "text-bg-danger"}`;
    item.setAttribute("role", ok ? "status" : "alert");
    const body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = text;
    item.appendChild(body);
    container.appendChild(item);
    if (ok) setTimeout(() => item.classList.remove("show"), 5000);
  }

  // Phone links dial through the PBX: it rings the agent's extension, then calls the number.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='tel:']");
    const pop = slot();
    if (!link || !pop || !pop.dataset.dialUrl) return;
    event.preventDefault();
    const form = new FormData();
    form.append("number", decodeURIComponent(link.getAttribute("href").slice(4)));
    toast(pop.dataset.callingText, true);
    fetch(pop.dataset.dialUrl, {
      method: "POST",
      body: form,
      credentials: "same-origin",
      headers: { "X-CSRFToken": document.body.dataset.csrfToken, Accept: "application/json" },
    })
      .then((response) => response.json())
      .then((answer) => toast(answer.message, answer.ok))
      .catch(() => toast(document.getElementById("toasts").dataset.errorText, false));
  });
})();
