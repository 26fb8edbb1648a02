// Behaviour shared by every page. No inline scripts anywhere: the Content-Security-Policy forbids them.
document.addEventListener("htmx:responseError", (event) => {
  // Errors the server sends as a fragment are swapped into #flash-area (see responseHandling);
  // a failure without a body (network down) still gets a visible message.
  if (!event.detail.xhr.responseText) {
    const area = document.getElementById("flash-area");
    if (area) {
      const alert = document.createElement("div");
      alert.className = "alert alert-danger";
      alert.setAttribute("role", "alert");
      alert.textContent = "The request failed. Check your connection and try again.";
      area.appendChild(alert);
    }
  }
});

// The search form searches as the text field is typed in ("input" trigger). The browser's own
// "change" event when that field then loses focus (e.g. on a click on a filter) would start a
// second search for the same text, racing the filter's own; keep it from reaching the form.
document.addEventListener("change", (event) => {
  if (event.target.id === "q" && event.target.closest("#search-form")) {
    event.stopPropagation();
  }
}, true);

// The search page's "Alert me" form and feed link follow the search as htmx updates the URL.
document.addEventListener("htmx:pushedIntoHistory", () => {
  const query = window.location.search.slice(1);
  const field = document.getElementById("alert-query");
  if (field) field.value = query;
  const feed = document.getElementById("search-feed-link");
  if (feed) feed.href = feed.href.split("?")[0] + "?" + query;
});

// The posting form offers a version in each of the board's languages; the one in the language of
// the text itself is hidden while it is empty (a filled one stays, so that it can be cleared).
function hideTheTextsOwnVersion() {
  const select = document.getElementById("text_language");
  if (!select) return;
  document.querySelectorAll("[data-version-language]").forEach((version) => {
    const empty = [...version.querySelectorAll("input, textarea")].every((field) => !field.value.trim());
    version.hidden = version.dataset.versionLanguage === select.value && empty;
  });
}
document.addEventListener("DOMContentLoaded", hideTheTextsOwnVersion);
document.addEventListener("change", (event) => {
  if (event.target.id === "text_language") hideTheTextsOwnVersion();
});
