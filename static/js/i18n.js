// Translations for page scripts, in the page's language (no build step, no inline script).
//   _("Join the session")                      -> the text in the reader's language
//   _("Hello %(name)s", {name: person})        -> placeholders filled in, as in Python
//   ngettext("%(num)d vote", "%(num)d votes", n, {num: n})
// Strings written this way in static/js/*.js are extracted by `exchange i18n extract` like the Python and
// template ones; a page that loads such a script carries their translations, plural forms included, in
// <script id="i18n-messages"> (templates/_macros.html: script_messages). This is the page scripts' one catalogue.
(function () {
  "use strict";
  var data = { locale: document.documentElement.lang || "en", plural: "(n != 1)", nplurals: 2, messages: {} };
  var node = document.getElementById("i18n-messages");
  if (node) {
    try { data = JSON.parse(node.textContent); } catch (e) { /* keep English */ }
  }
  var pluralIndex = function (n) { return n === 1 ? 0 : 1; };
  // The catalogue's own rule, e.g. "(n > 1)" for French; checked to hold only n, digits and operators.
  if (/^[n0-9\s()!=<>%&|?:]+$/.test(data.plural)) {
    pluralIndex = function (n) {
      var rule = data.plural;
      var value = rule.replace(/n/g, String(Math.abs(Math.floor(n))));
      return Number(evaluate(value));
    };
  }
  // A tiny evaluator for gettext plural expressions (no eval: the CSP forbids it).
  function evaluate(expression) {
    var tokens = expression.match(/\d+|==|!=|<=|>=|&&|\|\||[()<>%?:!]/g) || [];
    var pos = 0;
    function peek() { return tokens[pos]; }
    function next() { return tokens[pos++]; }
    function primary() {
      var token = next();
      if (token === "(") { var inner = ternary(); next(); return inner; }
      if (token === "!") { return primary() ? 0 : 1; }
      return Number(token);
    }
    function binary(parse, operators) {
      return function () {
        var left = parse();
        while (operators.indexOf(peek()) !== -1) {
          var op = next(), right = parse();
          if (op === "%") { left = left % right; }
          else if (op === "<") { left = left < right ? 1 : 0; }
          else if (op === ">") { left = left > right ? 1 : 0; }
          else if (op === "<=") { left = left <= right ? 1 : 0; }
          else if (op === ">=") { left = left >= right ? 1 : 0; }
          else if (op === "==") { left = left === right ? 1 : 0; }
          else if (op === "!=") { left = left !== right ? 1 : 0; }
          else if (op === "&&") { left = left && right ? 1 : 0; }
          else if (op === "||") { left = left || right ? 1 : 0; }
        }
        return left;
      };
    }
    var modulo = binary(primary, ["%"]);
    var compare = binary(modulo, ["<", ">", "<=", ">="]);
    var equal = binary(compare, ["==", "!="]);
    var and = binary(equal, ["&&"]);
    var or = binary(and, ["||"]);
    function ternary() {
      var condition = or();
      if (peek() !== "?") { return condition; }
      next();
      var yes = ternary();
      next();
      var no = ternary();
      return condition ? yes : no;
    }
    return ternary();
  }
  function fill(text, vars) {
    if (!vars) { return text; }
    return text.replace(/%\((\w+)\)[sdf]/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(vars, key) ? String(vars[key]) : whole;
    }).replace(/%%/g, "%");
  }
  function gettext(msgid, vars) {
    var found = data.messages[msgid];
    return fill(typeof found === "string" && found ? found : msgid, vars);
  }
  function ngettext(singular, plural, n, vars) {
    var forms = data.messages[singular];
    var text = Array.isArray(forms) ? forms[pluralIndex(n)] : null;
    return fill(text || (n === 1 ? singular : plural), vars);
  }
  window.i18n = { locale: data.locale, gettext: gettext, ngettext: ngettext };
  window.gettext = gettext;
  window.ngettext = ngettext;
  window._ = gettext;
})();
