// Drag an applicant's card to another column of the pipeline board. The same move is also a
// plain form on each card (a select and a button), which works without this script.
(function () {
  let dragged = null;

  document.addEventListener("dragstart", (event) => {
    const card = event.target.closest(".pipeline-card[draggable='true']");
    if (!card) return;
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.moveUrl);
  });

  document.addEventListener("dragover", (event) => {
    if (dragged && event.target.closest(".pipeline-column[data-drop-url]")) {
      event.preventDefault();
    }
  });

  document.addEventListener("drop", (event) => {
    const column = event.target.closest(".pipeline-column[data-drop-url]");
    if (!dragged || !column) return;
    event.preventDefault();
    const token = dragged.querySelector("input[name='csrf_token']");
    htmx.ajax("POST", dragged.dataset.moveUrl, {
      target: "#pipeline-board",
      swap: "innerHTML",
      values: { stage: column.dataset.stage, from: "board", csrf_token: token ? token.value : "" },
    });
    dragged = null;
  });
})();
