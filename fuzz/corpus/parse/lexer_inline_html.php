<html>
<body>
<?php echo "inside php"; ?>
after tag on same line
<?php echo "a"; ?>
<?php echo "b"; ?>

blank line above kept
</body>
