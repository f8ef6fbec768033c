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

// A select with data-follows="<id of another select>" shows only the options whose data-window
// matches the other's value (and those with none): the staff picker follows the window chosen.
function narrow(select) {
  var leader = document.getElementById(select.dataset.follows);
  if (!leader) return;
  var chosen = leader.value;
  Array.prototype.forEach.call(select.options, function (option) {
    var mine = option.dataset.window;
    var show = !chosen || !mine || mine === chosen;
    option.hidden = !show;
    option.disabled = !show;
    if (!show && option.selected) select.value = "";
  });
}
document.addEventListener("change", function (event) {
  document.querySelectorAll("select[data-follows]").forEach(function (select) {
    if (select.dataset.follows === event.target.id) narrow(select);
  });
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-follows]").forEach(narrow);
});
