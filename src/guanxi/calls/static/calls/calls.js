// The call centre on every page of an agent: the pop-up's poll, and click-to-call on phone links.
"use strict";

(() => {
  const slot = () => document.getElementById("call-pop");
  const MINIMISED = "guanxi.callPopMinimised"; // the call whose pop-up the agent folded away

  // A signed-out session answers the poll with the sign-in page: never put that in the pop-up.
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target !== slot()) return;
    const url = event.detail.xhr.responseURL || "";
    if (url.includes("/login")) event.detail.shouldSwap = false;
  });

  // Folded (after the agent acted on the call, or by hand) the pop-up keeps only its header; the page
  // makes room below its content so that nothing stays hidden behind the pop-up.
  function arrange() {
    const pop = slot();
    if (!pop) return;
    const card = pop.querySelector("[data-call]");
    const folded = Boolean(card) && sessionStorage.getItem(MINIMISED) === card.dataset.call;
    pop.classList.toggle("call-pop-folded", folded);
    const toggle = pop.querySelector("[data-call-pop-toggle]");
    if (toggle) toggle.setAttribute("aria-expanded", folded ? "false" : "true");
    const wrapper = document.querySelector(".page-wrapper");
    if (wrapper) wrapper.style.paddingBottom = card ? `${pop.offsetHeight + 16}px` : "";
  }
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === slot()) arrange();
  });
  document.addEventListener("click", (event) => {
    const pop = slot();
    if (!pop || !pop.contains(event.target)) return;
    const card = pop.querySelector("[data-call]");
    if (!card) return;
    if (event.target.closest("[data-call-pop-toggle]")) {
      if (pop.classList.contains("call-pop-folded")) sessionStorage.removeItem(MINIMISED);
      else sessionStorage.setItem(MINIMISED, card.dataset.call);
      arrange();
    } else if (event.target.closest("a")) {
      sessionStorage.setItem(MINIMISED, card.dataset.call); // on to the ticket, the follow-up, the 360 page
    }
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
