/*
 * sim/config_xml.h: the libxml2 helpers sim/config.c uses, shared with the
 * other sim/config_*.c readers (STYLE 10: only sim/config*.c sees libxml2
 * types). Every error names the file and line ("FILE:LINE: ...").
 */
#ifndef SIM_CONFIG_XML_H
#define SIM_CONFIG_XML_H

#include <glib.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdint.h>

/* Parse path and validate it against schema_name (relative to the configs
 * directory); NULL with *err on any error. */
xmlDocPtr xml_read_valid(const char *path, const char *schema_name,
                         GError **err);
bool is_elem(xmlNodePtr n, const char *name);
/* An attribute as a g_malloc'd string (NULL if absent). */
char *xml_attr(xmlNodePtr n, const char *name);
/* A numeric attribute (decimal or 0x-hex) no larger than max. */
bool attr_u64(const char *path, xmlNodePtr n, const char *name,
              uint64_t max, uint64_t *out, GError **err);

#endif
