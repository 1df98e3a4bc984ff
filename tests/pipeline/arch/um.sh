# shellcheck shell=bash
# User-Mode Linux: the kernel is a host program. The init's status,
# written to /proc/exitcode, becomes the process's exit code; a panic
# aborts the process.

# shellcheck disable=SC2034 # config and build read them
{
	ARCH_KARCH=um
	ARCH_IMAGE=linux
}
# UML cannot preempt (ARCH_NO_PREEMPT): PREEMPT=none is all it boots.
# shellcheck disable=SC2034 # load_arch reads them
{
	ARCH_PREEMPT=none
	ARCH_PREEMPT_MODELS=none
}
# With KASAN (DEBUG=1), 6.12.117 UML reports slab-out-of-bounds in
# init_object() or setup_object() at boot for any slub_debug (FZPU, FZU,
# FU tried): DEBUG boots leave slub_debug out here; KASAN watches the same
# red zones. x86_64 runs both (6.12 with slub_debug=FZPU and KASAN passes).
# shellcheck disable=SC2034 # config reads it
ARCH_SLUB_DEBUG_KASAN=0

arch_prepare() {
	:
}

# The guest's argv, one word per line; "shell" puts its console on ours.
arch_boot_argv() {
	local con="con0=null,fd:1"
	[ "${1:-}" != shell ] || con="con0=fd:0,fd:1"
	printf '%s\n' "$BOOT_IMAGE" "mem=$MEM" "initrd=$BOOT_ROOTFS" con=null "$con"
	guest_cmdline "${1:-}" | tr ' ' '\n'
}

arch_guest_status() {
	echo "$1"
}
