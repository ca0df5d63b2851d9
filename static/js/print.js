// The "Print" buttons, and charts' tables opened for printing: a closed <details> prints nothing.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
window.addEventListener("beforeprint", () => {
  document.querySelectorAll("details.chart-table:not([open])").forEach((details) => {
    details.dataset.openedForPrint = "1";
    details.open = true;
  });
});
window.addEventListener("afterprint", () => {
  document.querySelectorAll("details.chart-table[data-opened-for-print]").forEach((details) => {
    delete details.dataset.openedForPrint;
    details.open = false;
  });
});
