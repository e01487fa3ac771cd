#ifndef CHANGEGATE_CYAML_SHIM_H
#define CHANGEGATE_CYAML_SHIM_H
#include <yaml.h>
#endif
