#!/bin/sh
# ward_prove.sh — runs inside the QEMU guest after ward_e2e.sh: `ward prove`
# on this kernel (as root), one TAP line per probe for run.sh to judge; a
# skip keeps its reason and is never a pass. Then the closing line and the
# exit status must agree.
W=/usr/bin/ward
n=0
$W prove >/tmp/prove.txt 2>/tmp/prove.err
rc=$?
sed 's/^/# /' /tmp/prove.txt
while IFS= read -r row; do
	case $row in
	class\ *|*" passed, "*|"") continue ;;
	esac
	n=$((n + 1))
	name=$(echo "$row" | awk '{print $1 " " $2}')
	case $row in
	*" pass") echo "ok p$n - prove $name" ;;
	*" skip: "*) echo "ok p$n # SKIP prove $name: ${row#* skip: }" ;;
	*) echo "not ok p$n - prove $name ($row)" ;;
	esac
done </tmp/prove.txt
n=$((n + 1))
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' /tmp/prove.txt)
failed=$(echo "$summary" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
if [ -n "$summary" ] && { { [ "$failed" = 0 ] && [ $rc = 0 ]; } || { [ "$failed" != 0 ] && [ $rc = 1 ]; }; }; then
	echo "ok p$n - prove: closing line and exit status ($rc) agree"
else
	echo "not ok p$n - prove: closing line '$summary', exit $rc ($(head -2 /tmp/prove.err))"
fi
echo "# ward prove done"
