/* The media library's focal point (content/admin.py, MediaAssetAdmin): a click on the image sets focal_x and
 * focal_y (0 to 1 from the left and top edges); typing them moves the marker. No inline script (CSP). */
(function () {
  "use strict";

  function start() {
    var picker = document.querySelector("[data-focal-point]");
    var x = document.getElementById("id_focal_x");
    var y = document.getElementById("id_focal_y");
    if (!picker || !x || !y) {
      return;
    }
    var image = picker.querySelector("img");
    var marker = picker.querySelector(".focal-point-marker");
    function place() {
      marker.style.left = (parseFloat(x.value) || 0) * 100 + "%";
      marker.style.top = (parseFloat(y.value) || 0) * 100 + "%";
    }
    image.addEventListener("click", function (event) {
      var box = image.getBoundingClientRect();
      x.value = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)).toFixed(3);
      y.value = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height)).toFixed(3);
      place();
    });
    x.addEventListener("input", place);
    y.addEventListener("input", place);
    place();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
