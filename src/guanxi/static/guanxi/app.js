// Guanxi page behaviour shared by every page. Pages work without it; this makes them quicker.
"use strict";

// htmx requests carry the CSRF token taken from <body data-csrf-token>.
document.addEventListener("htmx:configRequest", (event) => {
  event.detail.headers["X-CSRFToken"] = document.body.dataset.csrfToken;
});

// Success and info toasts fade after a few seconds; errors stay until closed.
function hideToastsLater(root) {
  root.querySelectorAll(".toast[data-autohide='true']").forEach((toast) => {
    setTimeout(() => toast.classList.remove("show"), 5000);
  });
}
document.addEventListener("DOMContentLoaded", () => hideToastsLater(document));
document.addEventListener("htmx:afterSwap", (event) => hideToastsLater(event.target));
document.addEventListener("click", (event) => {
  const close = event.target.closest("[data-bs-dismiss='toast']");
  if (close) close.closest(".toast").classList.remove("show");
});

// A failed htmx request tells the user instead of silently doing nothing.
document.addEventListener("htmx:responseError", (event) => {
  const container = document.getElementById("toasts");
  const toast = document.createElement("div");
  toast.className = "toast show text-bg-danger border-0";
  toast.setAttribute("role", "alert");
  const body = document.createElement("div");
  body.className = "toast-body";
  body.textContent = container.dataset.errorText || "Error";
  toast.appendChild(body);
  container.appendChild(toast);
});

// Buttons with data-confirm ask before submitting their form (a destructive action).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

// Scene tabs that do not fit scroll sideways; a fading edge shows on the side where more tabs hide.
function markOverflow(strip) {
  strip.classList.toggle("overflows-start", strip.scrollLeft > 1);
  strip.classList.toggle("overflows-end", strip.scrollLeft + strip.clientWidth < strip.scrollWidth - 1);
}
document.addEventListener("DOMContentLoaded", () => {
  const strips = document.querySelectorAll(".scenes");
  strips.forEach((strip) => {
    markOverflow(strip);
    strip.addEventListener("scroll", () => markOverflow(strip), { passive: true });
    const active = strip.querySelector(".active");
    if (active) active.scrollIntoView({ block: "nearest", inline: "nearest" });
  });
  window.addEventListener("resize", () => strips.forEach(markOverflow));
});
