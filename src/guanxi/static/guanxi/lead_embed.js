// Embeds a Guanxi web-to-lead form: <script src=".../static/guanxi/lead_embed.js" data-guanxi-form="FORM-URL" async></script>
// puts the form in a frame where the script stands, and lets the frame grow with the form.
(() => {
  const script = document.currentScript;
  if (!script || !script.dataset.guanxiForm) return;
  const source = new URL(script.dataset.guanxiForm, script.src);
  const frame = document.createElement("iframe");
  frame.src = source.href;
  frame.title = script.dataset.title || "Form";
  frame.loading = "lazy";
  frame.style.border = "0";
  frame.style.width = "100%";
  frame.style.height = "640px";
  script.insertAdjacentElement("afterend", frame);
  window.addEventListener("message", (event) => {
    if (event.origin !== source.origin || event.source !== frame.contentWindow) return;
    const height = Number(event.data && event.data.height);
    if (height > 0) frame.style.height = `${Math.ceil(height) + 8}px`;
  });
})();
