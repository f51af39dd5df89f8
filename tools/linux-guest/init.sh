#!/bin/busybox sh
# /init of the tcg86 Linux workload: a fixed sequence of commands whose
# output a test can check, marked by lines that start with "TCG86-LINUX:".
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
# Optional: the archive already holds the few device nodes we need.
mount -t devtmpfs devtmpfs /dev 2>/dev/null

echo "TCG86-LINUX: init started"

uname -a
cat /proc/cpuinfo
ls /

# Sum of i*i for i = 1..2000 = 2668667000: needs more than 32 bits.
i=1
sum=0
while [ $i -le 2000 ]; do
  sum=$((sum + i * i))
  i=$((i + 1))
done
echo "TCG86-LINUX: sum=$sum"

set -- $(md5sum /bin/busybox)
echo "TCG86-LINUX: md5 $1"

echo "TCG86-LINUX: done"

read -r cmdline < /proc/cmdline
case " $cmdline " in
  *" tcg86.shell "*)
    # Every applet as a symlink, for the person at the prompt.
    /bin/busybox --install -s
    # setsid + cttyhack give the shell a controlling tty (job control, ^C).
    setsid cttyhack sh
    ;;
esac

reboot -f
poweroff -f
