/*
 * sim/cpu_model_load.h: turning "-cpu MODEL[,+feat,-feat,feat=on|off]" into
 * a CpuModel: find configs/cpus/MODEL.xml, read it (sim/config.c), apply the
 * feature edits, derive the feature bits (cpu_model_derive).
 *
 * "max" is the machine's default model with every feature of
 * sim/cpu_max.def turned on.
 */
#ifndef SIM_CPU_MODEL_LOAD_H
#define SIM_CPU_MODEL_LOAD_H

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

#include "cpu/cpu_model.h"

#define CPU_MODEL_MAX "max"

/* spec: "skylake-server,+vmx,-pcid" or "max,-la57". default_model is the
 * model "max" starts from. On success *m owns its arrays (free with
 * cpu_model_clear from sim/config.h). */
bool cpu_model_load(const char *spec, const char *default_model, CpuModel *m,
                    GError **err);
/* Turn on every feature vmxsim implements (sim/cpu_max.def); false when
 * the model lacks the CPUID leaf of one of them. */
bool cpu_model_apply_max(CpuModel *m, GError **err);
/* "-cpu help": the models in the configs directory and every feature name. */
void cpu_model_print_help(FILE *out, const char *default_model);

#endif
