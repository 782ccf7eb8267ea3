// Marks each drawing's card (tools/accessibility.py) that is wider than the column, so the
// stylesheet can show a "scroll sideways" hint; CSS alone cannot tell that a box overflows.
(function () {
  const observer = new ResizeObserver((entries) => {
    for (const { target } of entries) {
      target.toggleAttribute("data-overflow", target.scrollWidth > target.clientWidth + 1);
    }
  });
  function watch() {
    document.querySelectorAll(".litgrad-scroll").forEach((card) => observer.observe(card));
  }
  // Material's instant navigation swaps pages without reloading: document$ fires on each page.
  if (typeof document$ !== "undefined") document$.subscribe(watch);
  else document.addEventListener("DOMContentLoaded", watch);
})();
