/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bugs on purpose, for the debug-kernel lane's own tests only: they show
 * that the lane reports a leak and a use-after-free. Built in only when
 * Kbuild is given TERN_INJECT=leak or TERN_INJECT=uaf (tools/kmod-build
 * --inject); a module built any other way has no such code, and nothing
 * at run time can turn it on.
 */
#ifndef _TERN_INJECT_H
#define _TERN_INJECT_H

#ifdef TERN_INJECT
void tern_inject(void);
#else
static inline void tern_inject(void)
{
}
#endif

#endif /* _TERN_INJECT_H */
