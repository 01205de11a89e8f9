// A visitor's first page: remember the browser's time zone in the `tz` cookie and load the page again, before it
// is drawn, so that its times are in her zone. Loaded (blocking, in <head>) only while the server does not know
// the zone; it runs once per browser: once the cookie exists it does nothing, even if the server rejects it.
(function () {
  "use strict";
  try {
    if (/(?:^|;\s*)tz=/.test(document.cookie)) { return; }
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone || !/^[A-Za-z0-9_+\-\/]+$/.test(zone)) { return; }
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax" +
      (location.protocol === "https:" ? "; Secure" : "");
    if (!/(?:^|;\s*)tz=/.test(document.cookie)) { return; }  // cookies are off: keep the UTC page
    document.documentElement.className += " zone-reloading";
    location.replace(location.href);
  } catch (e) { /* no Intl, no cookies: the page says its times are in UTC */ }
})();
