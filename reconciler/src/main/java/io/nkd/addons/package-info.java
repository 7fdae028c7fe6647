/**
 * Add-on manifests as data: reading the YAML files of each add-on (split into documents, every object with its file
 * and line), validating them, ordering them for apply (CustomResourceDefinitions, Namespaces, other cluster-scoped
 * objects, then the rest), the content digest that says whether anything changed, and the Housekeeper's manifests
 * shipped in nkd as an implicit add-on. Pure: it is handed file contents and never reads files, the network or a
 * cluster; {@code config} calls it to validate, {@code plan} to diff, the daemon's ApplyAddons step to apply.
 */
package io.nkd.addons;
