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
