# shellcheck shell=bash disable=SC2034
# User-Mode Linux: the kernel is a host program. The init's status,
# written to /proc/exitcode, becomes the process's exit code; a panic
# aborts the process.

ARCH_KARCH=um
ARCH_IMAGE=linux

arch_prepare() {
	:
}

# The guest's argv, one word per line; "shell" puts its console on ours.
arch_boot_argv() {
	local con="con0=null,fd:1"
	[ "${1:-}" != shell ] || con="con0=fd:0,fd:1"
	printf '%s\n' "$KERNEL_IMAGE" "mem=$MEM" "initrd=$ROOTFS" con=null "$con"
	boot_cmdline "${1:-}" | tr ' ' '\n'
}

arch_guest_status() {
	echo "$1"
}
