// The public web-to-lead form inside another site's page: tell the embedding script how tall it is.
(() => {
  const report = () => {
    if (window.parent === window) return;
    window.parent.postMessage({ guanxiLeadForm: window.location.pathname, height: document.documentElement.scrollHeight }, "*");
  };
  window.addEventListener("load", report);
  window.addEventListener("resize", report);
})();
