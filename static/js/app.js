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

// The Content-Security-Policy runs no inline script, so the pages' small behaviours live here.
// A form with data-confirm asks before it is sent (ending a visit, publishing a circular), and so
// does a submit button with its own (确认并下发整改 beside 仅确认).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter;
  var question = (button && button.dataset && button.dataset.confirm) || (form.dataset && form.dataset.confirm);
  if (question && !window.confirm(question)) event.preventDefault();
});

// A button with data-print prints the page (the circular).
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) window.print();
});

// Say which files were picked (#chosen-files): the inputs themselves are hidden behind the buttons.
document.addEventListener("change", function (event) {
  var input = event.target;
  var list = document.getElementById("chosen-files");
  if (!list || !input.matches || !input.matches("input[type=file][name=files]")) return;
  var names = [];
  document.querySelectorAll("input[type=file][name=files]").forEach(function (each) {
    Array.prototype.forEach.call(each.files, function (file) { names.push(file.name); });
  });
  list.textContent = names.join("、");
});
