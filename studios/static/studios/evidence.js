// Evidence step: when the server could not store an upload it answers 507 with the slot's card
// (the error next to the slot). htmx does not swap error responses by default; swap this one.
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (event.detail.xhr.status === 507 && target && target.classList.contains("evidence-slot")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
