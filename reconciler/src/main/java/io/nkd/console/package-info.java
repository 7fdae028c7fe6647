/**
 * The web console served by {@code nkd serve} on its API port: static assets from the jar ({@link ConsoleAssets}),
 * a stream of status changes as Server-Sent Events ({@link EventHub}), the plan of two revisions of the daemon's
 * config repository ({@link PlanService}), and the routes that tie them to the API ({@link Console}). The pages
 * read the same JSON API the CLI reads; the console adds no state of its own.
 */
package io.nkd.console;
