// Upload progress: send the form with XMLHttpRequest so the browser reports bytes sent.
(function () {
  var form = document.getElementById('upload');
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var bar = document.getElementById('progress'), text = document.getElementById('progress-text');
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.upload.onprogress = function (ev) {
      if (!ev.lengthComputable) return;
      bar.hidden = false;
      bar.value = Math.round(100 * ev.loaded / ev.total);
      text.textContent = (ev.loaded / 1048576).toFixed(1) + ' of ' + (ev.total / 1048576).toFixed(1) + ' MB';
    };
    xhr.onload = function () {
      if (xhr.responseURL && xhr.status < 400) { window.location = xhr.responseURL; return; }
      document.open(); document.write(xhr.responseText); document.close();
    };
    xhr.onerror = function () { text.textContent = 'Upload failed: the connection dropped. Try again.'; };
    form.querySelector('button').disabled = true;
    xhr.send(new FormData(form));
  });
})();
