/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * datmutator.h - a structure-aware libFuzzer mutator for trace.dat files
 * (versions 6 and 7): it finds the sections, sizes, counts, offsets, texts
 * and ring-buffer pages of the input and changes one of them in place, or
 * grows or shrinks a text while keeping every size and offset around it
 * right, so most mutants get past the container checks into the parsers
 * behind them. One input in eight goes to libFuzzer's own byte mutations.
 */
#ifndef KSTEP_FUZZ_DATMUTATOR_H
#define KSTEP_FUZZ_DATMUTATOR_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's hooks (the mutator defines the first, libFuzzer the second). */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

#endif
