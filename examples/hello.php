<!DOCTYPE html>
<html>
<head><title>rhvm</title></head>
<body>
<p><?= "Hello from rhvm" ?></p>
</body>
</html>
