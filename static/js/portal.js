// Portal behaviour without inline scripts (CSP script-src 'self').
document.addEventListener("DOMContentLoaded", () => {
  // Confirm dangerous actions: <button data-confirm="...">.
  document.body.addEventListener("click", (event) => {
    const el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.dataset.confirm)) {
      event.preventDefault();
      event.stopPropagation();
    }
  });
});
