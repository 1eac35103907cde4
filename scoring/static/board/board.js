// A second click on "Publish" while the first is on its way would publish twice (the server
// then refuses it, but the page it answers with is confusing): disable the button once sent.
document.addEventListener("submit", (event) => {
  if (event.submitter && event.submitter.hasAttribute("data-submit-once")) event.submitter.disabled = true;
});
// Coming back with the browser's Back button shows the page as it was left: enable it again.
window.addEventListener("pageshow", () => document.querySelectorAll("[data-submit-once]").forEach((b) => { b.disabled = false; }));
