/* SPDX-License-Identifier: MIT */
#ifndef PORTSPEC_BACKENDS_COMMON_H
#define PORTSPEC_BACKENDS_COMMON_H
#include "private.h"
#endif
