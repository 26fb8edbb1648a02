// Behaviour shared by every page. No inline scripts anywhere: the Content-Security-Policy forbids them.

// Where an in-page action's error goes: inside the nearest [data-error-place] around what was
// used (a fair's employer card, a pipeline card), one at a time; elsewhere, the page's alert area.
function placeError(source, alert) {
  const place = source && source.isConnected ? source.closest("[data-error-place]") : null;
  document.querySelectorAll(".inline-error").forEach((old) => old.remove());
  if (!place) return false;
  alert.classList.add("inline-error", "mt-2", "mb-0");
  place.appendChild(alert);
  alert.scrollIntoView({ block: "nearest" });
  return true;
}

// Errors the server sends as a fragment are swapped into #flash-area (see responseHandling and
// HX-Retarget), unless what was used has its own place for them.
document.addEventListener("htmx:beforeSwap", (event) => {
  const detail = event.detail;
  if (!detail.isError || !detail.target || detail.target.id !== "flash-area") return;
  const template = document.createElement("template");
  template.innerHTML = detail.serverResponse;
  const alert = template.content.firstElementChild;
  if (alert && placeError(detail.requestConfig.elt, alert)) detail.shouldSwap = false;
});

// A failure without a body (network down) still gets a visible message, in the page's language.
document.addEventListener("htmx:responseError", (event) => {
  if (event.detail.xhr.responseText) return;
  const alert = document.createElement("div");
  alert.className = "alert alert-danger";
  alert.setAttribute("role", "alert");
  alert.textContent = document.body.dataset.requestFailed || "The request failed.";
  if (!placeError(event.detail.requestConfig.elt, alert)) {
    const area = document.getElementById("flash-area");
    if (area) area.appendChild(alert);
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

// Search: choosing a city with no distance set picks the page's default one (the distance
// list says which), so that "Nearest" and the distances apply at once. Runs before htmx sends
// the form (capture phase, on the document).
document.addEventListener("change", (event) => {
  if (event.target.id !== "f-city" || !event.target.value) return;
  const km = document.getElementById("f-km");
  if (km && !km.value && km.dataset.defaultKm) km.value = km.dataset.defaultKm;
}, true);

// Search: the count of positions is announced once each search is shown (the results are not
// a live region themselves, or every keystroke's results would be read out).
document.addEventListener("htmx:afterSettle", () => {
  const total = document.getElementById("search-total");
  const status = document.getElementById("search-status");
  if (total && status) status.textContent = total.textContent.trim();
});

// An offer that lapses (undoing a pipeline move) leaves the page when its time is up.
document.addEventListener("htmx:load", (event) => {
  const root = event.target;
  const offers = [...root.querySelectorAll("[data-expires-in]")];
  if (root.matches && root.matches("[data-expires-in]")) offers.push(root);
  offers.forEach((offer) => {
    setTimeout(() => offer.remove(), Number(offer.dataset.expiresIn) * 1000);
  });
});

// A destructive action asks once before it is sent (data-confirm on its form), by htmx or not:
// this listener runs first (capture phase, on the document) and stops a refused submission.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset ? event.target.dataset.confirm : null;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// An empty time-zone field of the account starts from the browser's zone (saved only with the form).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-browser-zone]").forEach((input) => {
    if (!input.value) input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  });
});

// A form sent back with errors: the first field to correct has the focus.
document.addEventListener("DOMContentLoaded", () => {
  const first = document.querySelector("main .is-invalid");
  if (first) first.focus();
});
