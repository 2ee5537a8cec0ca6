// Small conveniences; every page works without this file.
// Buttons with data-confirm ask before their form is sent (delete, revert, revoke).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = button && button.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
