#!/bin/sh
# Make a GRUB CD image that boots the hypervisor by Multiboot 2:
#   tools/mkiso.sh out.iso hypervisor.elf "hypervisor command line" [module[:args] ...]
# Each module keeps its basename, which is the name the hypervisor knows it by.
set -eu
out=$1 image=$2 cmdline=$3
shift 3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
cp "$image" "$dir/boot/hypervisor.elf"
{
    echo "set timeout=1"
    echo "serial --unit=0 --speed=115200"
    echo "terminal_input serial console"
    echo "terminal_output serial console"
    echo 'menuentry "Petrel hypervisor" {'
    echo "    multiboot2 /boot/hypervisor.elf $cmdline"
    for m in "$@"; do
        file=${m%%:*}
        args=""
        [ "$file" != "$m" ] && args=${m#*:}
        base=$(basename "$file")
        cp "$file" "$dir/boot/$base"
        echo "    module2 /boot/$base $base $args"
    done
    echo "    boot"
    echo "}"
} > "$dir/boot/grub/grub.cfg"
grub-mkrescue -o "$out" "$dir" 2>/dev/null
echo "  ISO     $out"
