/**
 * RFC 2397 {@code data:} URLs as Ignition reads them and Butane writes them. A leaf package: it uses no
 * other nkd package, so Butane, Ignition validation, the plan and the providers can all use it.
 */
package io.nkd.dataurl;
