// Package dashboard serves the durable dashboard: a page, embedded in the
// binary, that lists orchestrations, shows one instance with its history
// as a table and a timeline, lists entities and acts on instances.
//
// The page is the management API's first client: it calls nothing but the
// public routes of package mgmtapi, with URLs relative to where it is
// mounted (the API serves it at ui/ under its base path), so it runs under
// the same authentication as the API and behind the Functions host as well
// as standalone. It needs no build step and nothing from the network: the
// HTML, CSS and JavaScript modules in assets/ are written by hand.
//
// The key the page was opened with (the code query parameter) travels with
// every request the page makes: API calls send it in the x-functions-key
// header, and the page's own stylesheets and modules carry it in their
// URLs, the modules through an import map written into the page, because
// the Functions host refuses a request to the management function that
// carries no key, even for a stylesheet.
package dashboard
