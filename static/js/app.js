// Small behaviours of our own pages; no framework.
// A "select all" box ticks or clears every choice of its list (data-select-all="<field name>").
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches || !box.matches("input[data-select-all]")) return;
  var list = box.closest("fieldset") || document;
  list.querySelectorAll('input[type=checkbox][name="' + box.dataset.selectAll + '"]').forEach(function (choice) {
    choice.checked = box.checked;
  });
});
